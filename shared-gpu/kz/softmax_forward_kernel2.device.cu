#include <cuda_fp16.h>
#include <cuda_bf16.h>
/*
Kernels for softmax forward pass.

Compile example:
nvcc -O3 --use_fast_math -lcublas -lcublasLt softmax_forward.cu -o softmax_forward

version 1 is naive port from CPU code to kernel: parallelizes over B,T, loops over C
./softmax_forward 1

version 2 is a fused kernel that parallelizes over all of B,T,C
./softmax_forward 2

version 3 uses intra-warp reductions for maxval and sumval, must use block_size=32
./softmax_forward 3

version 4 uses both intra-warp reductions and shared memory for inter-warp reductions
so it can tolerate any block_size % 32 == 0. this is hopefully the most efficient version
./softmax_forward 4

version 5 is naive port from CPU code (softmax_online) to kernel: parallelizes over B,T, loops over C
./softmax_forward 5

version 6 is softmax_online that parallelizes over all of B,T,C
./softmax_forward 6

version 7 is softmax optimized for very large C.
./softmax_forward 7
*/

#include <stdio.h>
#include <stdlib.h>
#include <assert.h>
#include <cuda_runtime.h>
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>

#include <stdlib.h>
#include <stdio.h>
#include <cuda_runtime.h>
                      
                     
#include <float.h>

#define WARP_SIZE 32U
                                 

                 
                                                       
                                            
 

                                           
                                                    
                                                        
     
               
 

// requires all 32 threads in the warp to be active, but should work for any block size
// uses non-dynamic shared memory so every call increases shared memory requirements by 128 bytes
// the fact it's unique shared memory allows us to avoid an extra __syncthreads() call at the end
// but if called inside a loop, the shared memory will be implicitly reused, so set final_sync to 1
                                           

                                         
                                                                                      
                                            
                                                                                        
                                           
                                                
                                                
                                                 

                                         
                                                         
                    
                                                                           
                                               

                     
                                                                                            
     
                     
 

// Helper function to call blockReduce with default arguments
                                         
                                                
                                                         
 

// ----------------------------------------------------------------------------
// checking utils

// CUDA error checking
                                                                
                               
                                                               
                                          
                           
     
 ;
#define cudaCheck(err) (cuda_check(err, __FILE__, __LINE__))

// cuBLAS error checking
                                                                   
 
                                          
                                                                 
                           
     
 
#define cublasCheck(status) { cublasCheck((status), __FILE__, __LINE__); }

// ----------------------------------------------------------------------------
// cuBLAS setup
// these will be initialized by setup_main

// cuBLAS workspace. Hardcoding to 32MiB but only Hopper needs 32, for others 4 is OK
                                                         
                                       
                                               
                             
                                 
                        
                        
                      // for persistent threads where we want 1 threadblock per SM
                                // needed to calculate how many blocks to launch to fill up the GPU

// ----------------------------------------------------------------------------
// to make sure that 2 blocks fit on A100/H100 to maximise latency tolerance

#define MAX_1024_THREADS_BLOCKS 2




// ----------------------------------------------------------------------------
// Packed128 data structure, which forces the compiler to use 128-bit loads/stores
// in GPUs that support (the LDG.128 and STS.128 instructions)
// This is a bit similar to the use of float4 in the case of 32-bit floats, but
// supports arbitrary precision.

                           
                              
                                                                                 
                                                  
                          
                                              
                                                                         
                                              
     

                                                              
                         
                                       
                                      
         
                      
     

                                         
                           
     

                                        
                           
     

                                                   
                              
     
                                                               
                              
     
                                      
                  
                                                                         
                                              
                    
     
                                                                               
                                                                                        
                                                                         
                              
  

// short-form typedef
                              

// load a Packed128 from an aligned memory address
                           
                                                                       
                                                                           
 
// load a Packed128 from an aligned memory address with streaming cache hint
                           
                                                                         
                                                                                  
 
// store a Packed128 to an aligned memory address
                           
                                                                             
                                                        
 
// store a Packed128 to an aligned memory address with streaming cache hint
                           
                                                                               
                                                              
 
// store a Packed128 to an aligned memory address while caching in L2 but bypassing L1
                           
                                                                               
                                                              
 

// ----------------------------------------------------------------------------
// reduced/mixed precision utilities




















                              


// older nvcc does not provide __ldcs and __stcs for bfloat16, despite these actually just being unsigned shorts.
// we need to be careful here to only define our own versions if none already exist, otherwise the compiler will
// complain.
// If not, you easily get "no viable overload" (for sm52) and "function already exists" (sm_80)












// ----------------------------------------------------------------------------
// random utils

                                       
                                                   
                                    
                                                          
     
               
 

                                    
                                                   
                                    
                                                                       
     
               
 

                                       
                                             
                                    
                                            
     
               
 

                                   
                                                   
                                                  
               
 

                                  
                                                   
                                    
                      
     
               
 

// ----------------------------------------------------------------------------
// testing and benchmarking utils

                          
                                                                                         
                                                          
                                                                            
                                     
                                            
     

                                                                                                          
                    

                                                                                         
                                                                                           
                
                  
 

                   
                              

                        
                      
                                        
                              
                                                    
                                                  
                                                                 
                                       
                                       

                                
                                              
                                                  
                                                                        

                                                                                 
                                                   
                                                         
                                                                                   
                                                                                          
                                                                                                   
                                                                    
 

                          
                                                                                                                              
                                                      
                                                                                                    
                    

                                



                                            
                               
                                       
                     

                                          
                    
                                                               
         
                                                                             
                                                  
                                                                   
                                               
                                                             
                                                                                                               
                       
                                
                              
                                   
             
         
     

                      
                      
                           
     

                  
 

                                           
                                                                                 
                            
                                                          
                                                      
                                                                                                           
                                      
                      
                                        
                              
                                                               
                       
                                                                 

                                       
                                      
                             
                                       
                   
                                                                       
                                                              
                                                   
                                                         
                                                  
                                               
                                              
                          
                                                                   
                                    
     

                                      

                                  
 

// ----------------------------------------------------------------------------
// CPU code reference

                                                                      
                    
                                                        
                                 
                                           
                                     

                                 
                                     
                                      
                                    
             
         
                                                                            
                                                                            
                                                    
                         
                                     
                                                   
                              
         
                                      
                                     
                               
         
     
 


// online version of softmax on CPU from the paper "Online normalizer calculation for softmax"
                                                                             
                    
                                                        
                                 
                                           
                                     

                                 
                         
                               
                              
                             
                        
                                                                       
           
                                     
    
   

                                     
                                                         
         
     
 

// ----------------------------------------------------------------------------
// GPU kernels

                                                                                     
                    
                                                        
                                                  
                
                                           
                                     

                                 
                                     
                                      
                                    
             
         
                         
                                     
                                                   
                              
         
                                     
                                     
         
     
 

__global__ void softmax_forward_kernel2(float* out, const float* inp, int N, int C) {
    // inp is (N, C)
    // in each row of C elements, first calculates maxval, then returns expf(val - maxval)
    extern __shared__ float shared[];
    int idx = blockIdx.x; // ranges [0, N)
    int tid = threadIdx.x; // ranges [0, block_size)
    int block_size = blockDim.x;
    const float* x = inp + idx * C; // idx-th row of inp
    // thread coarsening
    float maxval = -INFINITY;
    for (int i = tid; i < C; i += block_size) {
        maxval = fmaxf(maxval, x[i]);
    }
    shared[tid] = maxval;
    // reductions
    for (int stride = block_size / 2; stride >= 1; stride /= 2) {
        __syncthreads();
        if (tid < stride) {
            shared[tid] = fmaxf(shared[tid], shared[tid + stride]);
        }
    }
    __syncthreads();
    float offset = shared[0];
    // compute expf and write the result to global memory
    for (int i = tid; i < C; i += block_size) {
        out[idx * C + i] = expf(x[i] - offset);
    }
    __syncthreads();
    // thread coarsening again, for the sum
    x = out + idx * C; // idx-th row of out
    float sumval = 0.0f;
    for (int i = tid; i < C; i += block_size) {
        sumval += x[i];
    }
    shared[tid] = sumval;
    // reductions
    for (int stride = block_size / 2; stride >= 1; stride /= 2) {
        __syncthreads();
        if (tid < stride) {
            shared[tid] += shared[tid + stride];
        }
    }
    // broadcast the sum to all threads in the block
    __syncthreads();
    float sum = shared[0];
    // divide the input values by the sum
    for (int i = tid; i < C; i += block_size) {
        out[idx * C + i] = x[i] / sum;
    }
}

// warp-level reduction for finding the maximum value
                                           
                                                    
                                                                    
     
               
 

                                                                                     
                                       
                                     
                         
                          
                                   

                                                             
                             
                                               
                                     
     
                                   

                                       
                                                      

                                                         
                                               
                                               
     

                                                             
                      
                        
                                               
                       
     
                                                                                         
                                                         
                                   

                                         
                                               
                                         
     
 

                                                                                     
                                                                       
                                                                      
                                                              
                                                                               

                                                                                                  
                                                     
                                     
                         
                          
                                                               
                                                                

                                                                          
                                        

                                                                
                                                
                                       

                                                     
                                   

                                                                             
                             
                                               
                                     
     
                                            
                                   

                                                                                  
                                                         
                    

                                                                                                 
                   
                                            
                                                 
                                                    
         
                                                    
                                    
     
                    
                                       
                                         

                                                         
                                               
                                               
     

                                             
                                                       

                                
                      
                        
                                               
                       
     
                                       
                                   

                                    
                                                         
                    

                                    
                   
                                            
                                                 
                                         
         
                                    
     
                    
                                       
                                      

                                      
                                               
                                      
     
 

                                                                                            
                    
                                                        
                                                  
                
                                           
                                     

                                 
                         
                                     
                                       
                                           
                              
                         
                                                                        
    
         
                                      
    
   

                                     
                                                         
         
     
 

// struct for the reduction operation, guarantees 8-byte alignment
                        
 
                 
              
 ;

// forceinline helps avoid function call overhead
                                                                         
                                          
                                       
                                        
               
                                 
                                                                                      
               
 

                                                                                            
                                   
                                                  
                                                                 
                                                                        
                
         
  

                                                  
                                

                                  
                      
                               
                       

                                                                          
                                                            
                                                             
  

                            
                                                                   

                                   
                                                            
                                     
                                                                          
                                                               
                                                                               
  
 

                                                                                     
                                                                       
                                                                               

                                                                                     
                                                                                
                                                                           
                                                                       
                                                                                   
                                                                                     
                                
                                              

                                     
                         
                          
                                                               
                                                                

                                                                    
                                                                
                            
                                            

                   
                                    
                               
               
     

                                            
                                       

                                                                             
                             
                                                               
                      
                                                 
                                                                    
         
     

                                            
                                   
                                                                                  
                                              
                    
                                                                                 
                   
                                 
                      
                                                 
                                         
         
                                                    
                         
     
                    
                                       
                              

                                                         
                                  
                        
                                                               
                                       
                      
                                                 
                                                                    
         
                      
                                                 
                                       
                                                           
                                                                                             
                                                                               
             
         
     

                                             
                                                       

                                       
                                   
                                    
                                              
                    
                                    
                   
                                 
                      
                                                 
                              
         
                         
     
                    
                                       
                           

                                      
                                                               
                                       
                      
                                                 
                                                           
         
                      
                                                 
                                       
                                                         
             
         
     
 

                                                                                            
                                                            
                                               
                                                                 
                                                    
                          

                   
               
     

                                
                                
                       
                                                  

                   
               
     

                                   
                                   

                                                      
                                                                                
                                                    
                                                
                                                                               
                                                           
                                     
                                                                      
                        
     

                                                                              
                                                 
                                     
                                                               
                     
                                                                    
                                                                    
                                    
                                                  
                                  
                
                                                        
         
                               
     

                                            
                                                           
                                                
                                                

                                                
                                            
     
 

// ----------------------------------------------------------------------------
// kernel launcher

                                                                                         
                                                  
                                                                       
                                  
 

                                                                                         
                      
                                                        
                                                                                        
 

                                                                                   
                                                                              
                      
                                                        
                                                                                        
 

                                                                                   
                      
                                                                                              
                                                             
                                                                                        
 

                                                                                          
                                                  
                                                                                 
                                  
 

                                                                                          
                                                       
                                                                                 
                                  
 

                                                                                   
                      
                                                                 
                                                                                        
 

                                                                                          
                                                       
                                                                              
                                  
 

// kernel version dispatch
                                                                                                        
                         
               
                                                         
                  
               
                                                         
                  
               
                                                         
                  
               
                                                         
                  
               
                                                                
                  
               
                                                                
                  
               
                                                         
                  
               
                                                                
                  
                
                                              
                    
     
 

// ----------------------------------------------------------------------------

                                 
             

              
                 
                  

                      
                                        

                                           
                                                           
                                              

                                                                                                 
                                                 
                                                        
                                
                                        
                                                 
         
     

                  
                 
                 
                                                             
                                                             
                                                                                         

                                        
                       
                   
                                   
     
                                            

                                                      

                                            
     
                                 
                                             
                                         
         
                              
                                                  
     

                                                
                                                                 
                                        
                                                        
                                                                        
                                                             
     

                                                          

                                               
                                                                 
                                        

                               
                                                                            
                                                                                            
                                                

                                                                                                                              
     

                  
              
              
                          
                               
                               

             
 