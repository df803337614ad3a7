#include <cuda_fp16.h>
#include <cuda_bf16.h>
/*
Kernels for matmul forward pass.
It's advised to use OpenMP here because the CPU implementation is fairly slow otherwise

Compile example:
nvcc -O3 --use_fast_math -Xcompiler -fopenmp matmul_forward.cu -o matmul_forward -lcublas -lcublasLt

version 1 is naive port from CPU code to kernel: parallelizes over B,T, loops over C
OMP_NUM_THREADS=32 ./matmul_forward 1

version 2 calls cuBLAS, very fast
OMP_NUM_THREADS=32 ./matmul_forward 2

version 3 calls cuBLASLt, should be even faster
OMP_NUM_THREADS=32 ./matmul_forward 3
*/

#include <stdio.h>
#include <stdlib.h>
                      
#include <cuda_runtime.h>
                     
                

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

                                   
                                                                             
                                                  
                                        
                                                      
                           
                                        
                                 
                                     
                                                      
                                                          
                                          
                                                            
                                                 
                                             
                                               
                 
                                
             
         
     
 

// ----------------------------------------------------------------------------
// GPU kernels

// kernel 1: naive kernel, every thread handles one output element, direct global memory access
__global__ void matmul_forward_kernel1(float* out,
                                       const float* inp, const float* weight, const float* bias,
                                       int BT, int C, int OC) {
    // out is (B,T,OC). OC is short for "output channels", e.g. OC = 4 * C
    // inp is (B,T,C), weight is (OC, C), bias is (OC)
    // in the naive kernel, every thread handles one element of out
    int bt = blockIdx.x * blockDim.x + threadIdx.x;
    int oc = blockIdx.y * blockDim.y + threadIdx.y;
    if (bt < BT && oc < OC) {
        float val = (bias != NULL) ? bias[oc] : 0.0f;
        const float* wrow = weight + oc * C;
        const float* inp_bt = inp + bt * C;
        for (int i = 0; i < C; i++) {
            val += inp_bt[i] * wrow[i];
        }
        out[bt * OC + oc] = val;
    }
}

// is there no better way other than just adding bias with a whole separate kernel?
// this is a highly memory-bound operation, should be fused into the matmul kernel
// but i can't seem to find a cuBLAS function that does this
                                                                               
                                                    
                                        
                                                    
                         
                            
     
 

// kernel 4: semi-efficient handwritten kernel
// see trimat_forward.cu for some intermediate development steps
                                                
                                                     
 

                                                    
                                              
 

                                                                           
                                                                                                
                                                       
                                                                          
                                                      
                                                                        
                                                       

                                                    
                                    
                                    

                                                
                                
                                   
                                                    

                          
                      
                                     
                                            
                                                 
                                   
                                   
                                   
                                   
             
         
     

                                                      
                                        
                        
                                    
                                   
                           
                                                               
                                                                 
                                                                    
         
                        

                                                              
                          
                                         
                                                                      
             

                                            
                                                                           
                                                
                                                      
                                                      
                                                      
                                                      
                 
             
         
     

                                 
                                        
                          
                                      
                                      
                                      
                                      
                                                                             
         
     
 

// ----------------------------------------------------------------------------
// kernel launcher

// kernel 1 is the most naive matmul kernel
                                
                                                                              
                                                 
                                                 
                                                                          
                                                      
                                                                                  
                                                    
                                                                                      
                                  
 

// kernel 2 calls cuBLAS, which should be very efficient
                                
                                                                              
                                                 
                                                 
                            
                                                        
                                                                                 
                                                  
                                                           
                                                                
                                                                
                                                          
                                                          
                                                                   
                                               
                                         
                                                                                                          
                                                                            
                                                                                                                   
                             
                                                                                                                           
                             
                                                                                                                     
                                                      
                                                                             

                             
                            
                                                                                                                             
                                                    
                       
                                                           
                                                         
                                                                 
                                      
     
 

// uses cublasLt to fuse the bias and gelu
// https://docs.nvidia.com/cuda/cublas/#cublasltmatmul
// https://github.com/NVIDIA/CUDALibrarySamples/blob/master/cuBLASLt/LtSgemm/sample_cublasLt_LtSgemm.cu
                                
                                                                              
                                                   
                                  
                     

                           
                                     
                                                                        
                           
     

                            
                                       
                                          
                                        
                                       
                                        
                                      
                                              

                                      
                                                  
                                                
                                                                
                               
                                                   
                          
                                              
                          
                                              
     
                                                                                           
                                                                                                                               
                                                                                                                                   
                                                                                                                                   
                                                                                                                       

                            
                                                                                 
                                                                                 
                                                                                    
                                                                                

                                                              
                                                             
                                                                
                                                 
                                                                    

                                
                                                                              
                                                              
                                                      
                               
                                                                                          
                                             
                           
     

                      
                                          
                                                              
                                                              
                                                              
                                                         

               
                                                             
                                                          
                                                           
                                                          
                                                           
                                                         
 

// handwritten, relatively efficient non-tensorcore matmul kernel
                                
                                                                              
                                                 
                                           
                                                                          
                                                      
                         

                                                                                      
                                                    
                                                                                 
                                  
 

// kernel version dispatch
                                   
                               
                                                                             
                                                
                                                
                         
               
                                                                                  
                  
               
                                                                                  
                  
               
                                                                 
                  
               
                                                                                  
                  
                
                                              
                    
     
 

// ----------------------------------------------------------------------------

                                 
             

               
                 
                
                                                        

                        
                      
                                        
                              
                                                    
                                                          

                                
                                              
                                                  
                                                                                 
                                                    
                                             
                                                                                          
                                                                                                   
                                                                    
                                            
                                                                        

                                           
                                                            
                                              
                                              
                                        

                  
                 
                 
                    
                  
                                                              
                                                             
                                                             
                                                       
                                                                                         
                                                                                            
                                                                                    

                                        
                       
                   
                                   
     
                                            

                                                
                                                            

                                               
                                            

                                                                      
                                                  
                                                                                   
                                                                                                 
                                                              
     

                                                          

                                                                      
                                                  

                               
                                                                           
                                                                                         
                                                                            

                                                   
                                                                
                                                                               
                                                                                                            
     

                  
              
              
                 
               
                               
                               
                                  
                                
                                            
                                              
                                                  
             
 