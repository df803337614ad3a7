#include <cuda_fp16.h>
#include <cuda_bf16.h>
/*
Kernels for matmul backward pass bias only.

Compile example:
nvcc -O3 -lcublas -lcublasLt -std=c++17 matmul_backward_bias.cu -lineinfo -o matmul_backward_bias

./matmul_backward_bias 1
./matmul_backward_bias 2
./matmul_backward_bias 3
./matmul_backward_bias 4
./matmul_backward_bias 5

ncu:
sudo ncu --set full --import-source yes -o bias -f ./matmul_backward_bias 1
*/

#include <stdio.h>
#include <stdlib.h>
#include <assert.h>
                      
#include <cuda_runtime.h>
                
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>
#include <type_traits>

#define ENABLE_BF16

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





#define CUBLAS_LOWP CUDA_R_16BF // CUDA_R_16F or CUDA_R_16BF (or CUDA_R_32F)
// CUBLAS_COMPUTE_32F or CUBLAS_COMPUTE_16F (for CUDA_R_16F only, potentially slower?!)
#define CUBLAS_LOWP_COMPUTE CUBLAS_COMPUTE_32F












                                      


// older nvcc does not provide __ldcs and __stcs for bfloat16, despite these actually just being unsigned shorts.
// we need to be careful here to only define our own versions if none already exist, otherwise the compiler will
// complain.
// If not, you easily get "no viable overload" (for sm52) and "function already exists" (sm_80)












// ----------------------------------------------------------------------------
// random utils

                                       
                                                   
                                    
                                                          
     
               
 

                                    
                                                   
                                    
                                                                       
     
               
 

                                       
                                             
                                    
                                            
     
               
 

                                   
                                                   
                                                  
               
 

                                  
                                                   
                                    
                      
     
               
 

// ----------------------------------------------------------------------------
// testing and benchmarking utils

                          
                                                                                         
                                                          
                                                                            
                                     
                                            
     

                                                                                                          
                    

                                                                                         
                                                                                           
                
                  
 

                   
                              

                        
                      
                                        
                              
                                                    
                                                  
                                                                 
                                       
                                       

                                
                                              
                                                  
                                                                        

                                                                                 
                                                   
                                                         
                                                                                   
                                                                                          
                                                                                                   
                                                                    
 

                          
                                                                                                                              
                                                      
                                                                                                    
                    



                          

                                            
                               
                                       
                     

                                          
                    
                                                               
         
                                                                             
                                                  
                                                                   
                                               
                                                             
                                                                                                               
                       
                                
                              
                                   
             
         
     

                      
                      
                           
     

                  
 

                                           
                                                                                 
                            
                                                          
                                                      
                                                                                                           
                                      
                      
                                        
                              
                                                               
                       
                                                                 

                                       
                                      
                             
                                       
                   
                                                                       
                                                              
                                                   
                                                         
                                                  
                                               
                                              
                          
                                                                   
                                    
     

                                      

                                  
 


// ----------------------------------------------------------------------------
// utility functions
                                              
                                           
 

                                                             
                                                            
                
                 
     

                               
                        
     

             
 

// ----------------------------------------------------------------------------
// CPU code reference

                                                                        
                                                            
                                                   
                                  
                         
                                     
                                         
                                                            
                                  
             
         
                       
     
 

// ----------------------------------------------------------------------------
// GPU kernels

                    

__global__ void matmul_backward_bias_kernel1(__nv_bfloat16* dbias, const __nv_bfloat16* dout, int B, int T, int OC) {
    extern __shared__ float shared[];
    int o = blockIdx.x; // range [0, OC)
    int tid = threadIdx.x; // range [0, block_size)
    int block_size = blockDim.x;
    const __nv_bfloat16* x = dout + o;
    // thread coarsening
    float sum = 0.0;
    for (int i = tid; i < B * T; i += block_size) {
        sum += (float)x[i * OC];
    }
    shared[tid] = sum;
    __syncthreads();
    // reductions
    for (int stride = block_size / 2; stride >= 1; stride /= 2) {
        __syncthreads();
        if (tid < stride) {
            shared[tid] += shared[tid + stride];
        }
    }
    // write the final result (at thread 0) to global memory
    if (tid == 0) {
        dbias[o] = (__nv_bfloat16)((float)dbias[o] + shared[0]);
    }
}

// cooperative groups solution, one warp per output channel
                                                                                                                     
                                        
                                                                                                     
                                      
                                                     
                                                                    
                                                                                                              
                                                                           
                             
                                                                         
                                                                             
                     
                                                               
                                         
     
                                                                                   
                                                   
                                                 
                                 
                                             
     
 

                                                                                                                     
                                        
                                                                                                      
                                      
                                                     
                                                                    
                                                                              
                                                                         
                                    
                                   
                                   
                                                     
                                                                                   
                            
                                                       
                                                
     
                                                                                   
                                                                                
                                                                     
                                                                                            
                                   
                    
                                                                                                    
                                                                  
                                           
                                                                              
                                                 
                          
                                                   
     
 

// this kernel performs a column-wise reduction over dout, in PyTorch equivalent to:
// dbias = dout.sum((0,1))
// the idea is to employ one block to reduce along several columns,
// where each block has a width of 32 columns to ensure coalesced access.
// at the end we accumulate the reductions performed by the warps in each block via shared memory
                                                                                                                     
                                                        
                                              
                                                               
                                                                                   
                                                                                         
                                                                                       
                                                                                  

                                                                 
                                                                                    
                                                        

                                                    
                                                                           
                                                                           
                                                                                      
                                                   
                          
                                                        
                                              
     
                                                  
                    

                                                                
                    
                       
                                         
                                                     
         
                                                                    
     
 
















                                                                                     
                                                                                            
                                                             
                                                                                                                       
 

                                                                                                                                   
                                                                 
                                                                                                   
                                                                                               
                                                                                        

                                                                                         
                                
                                                             
                                                                      

                                            
                                                        
                                   
                                     

                                          
                               
     
                                                             
                                                                     
                           
     
                    
                        
                                                                                                           
                                                                  
                                                  
                                                         
             
         
                                                                                                   
                                                                                                   
                                              
                                                                                  
         
     
                                                                                               
                    
                                                             
                                                       
                          
                    
                                                                  
                                                                                               
                                         
                    
                                                                                                   
                                          
                                                                 
     
 

// We want to decrease the amount of channels handled by each block, so that we need fewer across-block reductions.
// We do this by realizing the following: For scalar memory access, we need to read one element per thread in a warp
// to read an entire cacheline, but for vectorized memory access, with 128 bit of data per thread, we only need eight
// threads to fetch a cacheline, which means that we can already operate on a "depth" of four within a single warp.
// => blockDim.x == 4, blockDim.y == 32/4 = 8
//
                                        
                                                                                                              
                                                                          
                                
                                       
                              
                              

                                  
                                  
                                   

                                                            

                                       
                                                        

                                          
                                        

                                   
                                          
                               
     

                        
                                              
                                                                                                            
                                                                  
                                                  
                                                         
             
         
     

                                                      

                                 
                                          
                                  
                                                   
                                                   
                         
                                                
         
     
                    

                            
                                                            
                      
                                                        
                                                
                                                       
                                                       
                   
         
                                           
                                                 
                                    
                                                                                   
                    
                                                    
             
         
     
 

// Like kernel 8, but instead of accumulating to the auxiliary buffer, it writes
// multiple values that need to be summed up in a separate kernel call.
// If UseAuxBuffer is false, gridDim.y has to be one, and results are added directly
// to dbias.
                                              
                                                                                                              
                                                                                
                                
                                       
                              
                              

                                  
                                  
                                   

                                                            

                                       
                                                        

                                          
                                        

                                   
                                          
                               
     

                        
                                              
                                                                                                            
                                                                  
                                                  
                                                         
             
         
     

                                                      

                                 
                                          
                                  
                                                   
                                                   
                         
                                                
         
     
                    

                            
                                                            
                      
                                                        
                                                
                                                       
                                                       
                   
         
                                           
                                                 
                                          
                                                                                   
                    
                                                           
             
         
     
 


                                                                                                 
                                                                            
                                
                  
                 
                                             
                         
         

                                    
                                                
                                                 
                               
             
         
                                             
                                                                          
         
     
 


// ----------------------------------------------------------------------------
// kernel launcher

// version1: simple cuBLAS calls
                                                                           
                                                             
                                                          
                                                                                               
                               
                      
                                                        
                                                                                                  
                                  
 

                                                                           
                                                             
                                
                                                        
                                                                                   
                                  
 

                                                                           
                                                             
                                
                                                                            
                                  
 

                                                                           
                                                             
                                                                       
                                  
                                                                                                               
                                  
 











                                                                           
                                                             
                          
                         
     
                                                                                                       
                                                                                           
                                                                           
                                                                                                   
                                                             
                                                                                                            
                             
                                                                  
                                
                                                             
                                                                                                      
                                                                                                                 

                                                                                                         

                                                               
                                                                  
                                                                                                                   
                                  
                                                                                
                                  
 

                                                                           
                                                             
                                                     
                                                                   
                                                                                                       
                                                                                                                 

                                                                                                               
                                                
                          
                                                                                                                                        
                                      
            
                                                                   
                                                                                                                                              
                                      
                                                                                    
                                      
     
 


                                                                           
                                                                  
                                                     
                                                                   
                                                                                                       
                                                                                                                 

                                                                                                               
                                                
                          
                                                                                                                                        
                                      
            
                                                                
                                                                                                                                              
                                      
                                                                                                                
                                      
     
 

                                                                                    
                                                            
                         
               
                                                                     
                  
               
                                                                     
                  
               
                                                                      
                  
               
                                                                     
                  
               



                                                                   
                    

                  
               
                                                                     
                  
               
                                                                     
                  
               
                                                                     
                  
                
                                              
                    
     
 

// ----------------------------------------------------------------------------

                                 
                 

              
                 
                
                                                        

                                        
                       
                   
                                   
     
                                            

                                           
                                        
                                                

                  
                           
                          
                                                                
                                                                       
                                                                  
                                                  
                                                        

                                                  
                            
                                                     
                                                            
                                         
                                                                          
                                                                                                                      
                          

                                                           

                                  
                                                                               

                                                                 
                                        
                                  
                                                                      
                                    
                                                                                
                  
                                            
                                                                        
                                                          
                                                                       
     

                               
                                                                 
                                        
                                
                                                                                             
                                                                                   
                                                                         
     

               
                
               
                                      
                                 
                                

             
 